"""Customer feedback: one response (``feedback_submit``) or a survey tool's export (``feedback_import``),
validated by the same rules (``rows``) and stored by the one writer (``write``), which keeps FeedbackDay
in step in the same statement. What a score means (``normalized``, ``satisfied``) is in ``scores``."""

from .importing import (
    BATCH_ROWS,
    KEEP_PROBLEMS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportReport,
    RowProblem,
    feedback_import,
)
from .questions import question_create
from .rows import FeedbackRow, Lookups, validate_row
from .scores import SATISFIED_AT, SCALES, in_scale, normalized, satisfied
from .submit import SubmittedFeedback, feedback_submit, require_feedback_writer
from .write import write_rows

__all__ = ["BATCH_ROWS", "KEEP_PROBLEMS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "SATISFIED_AT", "SCALES",
           "FeedbackRow", "ImportReport", "Lookups", "RowProblem", "SubmittedFeedback", "feedback_import",
           "feedback_submit", "in_scale", "normalized", "question_create", "require_feedback_writer", "satisfied",
           "validate_row", "write_rows"]
