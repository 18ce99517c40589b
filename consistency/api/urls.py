from django.urls import path, register_converter

from . import standard_views


class CriterionKeyConverter:
    """A criterion's key in a URL: what a key may hold (letters of any script, digits, '-' and '_'), so that a
    control character (a NUL byte, which PostgreSQL refuses in a query) is no address, not a 500."""

    regex = r"[\w-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CriterionKeyConverter, "criterion_key")

urlpatterns = [
    path("standard/current/", standard_views.CurrentStandardView.as_view(), name="standard-current"),
    path("standard/diff/", standard_views.DiffView.as_view(), name="standard-diff"),
    path("standard/versions/", standard_views.VersionListView.as_view(), name="standard-versions"),
    path("standard/versions/<int:number>/", standard_views.VersionDetailView.as_view(), name="standard-version"),
    path("standard/versions/<int:number>/criteria/<criterion_key:key>/", standard_views.CriterionDetailView.as_view(),
         name="standard-criterion"),
    path("standard/versions/<int:number>/publish/", standard_views.PublishView.as_view(), name="standard-publish"),
]
