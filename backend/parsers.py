"""The API's JSON parser: DRF's, with the two bodies it lets through to a 500 answered with a 400."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, and then:

    - a body nested deeper than Python's recursion limit (a few kB of ``[``) is a parse error, not a
      RecursionError;
    - a lone UTF-16 surrogate anywhere (``"\\ud800"``, which Python's json reads) is refused naming its
      field, before a serializer or the database meets text that cannot be encoded.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        # Imported here: DRF imports this module while loading its settings, before backend.errors exists.
        from .inputs import lone_surrogate_at, lone_surrogate_error

        try:
            data = super().parse(stream, media_type, parser_context)
            where = lone_surrogate_at(data)
        except RecursionError:
            raise ParseError("JSON parse error - the body nests too deeply.") from None
        if where is not None:
            raise lone_surrogate_error(where)
        return data
