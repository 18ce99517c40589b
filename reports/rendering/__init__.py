"""PDF rendering with reportlab (platypus). Pure functions: data in, PDF bytes out; no database, no storage.

``rl_config.useA85`` is switched off before anything is drawn: reportlab's default ASCII85 stream
encoding made a 200-photo PDF take 37 s instead of 1 s, and the bytes are binary-safe anyway.
"""

from reportlab import rl_config

rl_config.useA85 = 0

from .compliance import render_compliance_pack  # noqa: E402
from .variance import render_variance  # noqa: E402

__all__ = ["render_compliance_pack", "render_variance"]
