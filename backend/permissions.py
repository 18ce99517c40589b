from rest_framework.permissions import SAFE_METHODS, BasePermission

from sites import access


class HeadOfficeWrites(BasePermission):
    """Anyone signed in reads; only head office writes."""

    message = "Only head office may change this."

    def has_permission(self, request, view):
        # It replaces the default IsAuthenticated on its views: a stranger is refused here (401), reads included.
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return access.is_head_office(request.user)


class HeadOfficeOnly(BasePermission):
    message = "Only head office may do this."

    def has_permission(self, request, view):
        return access.is_head_office(request.user)
