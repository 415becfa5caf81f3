"""History pages as an audit trail: readable by whoever may view the record, never a way to write it.

django-simple-history's per-version page saves a POSTed form after checking only view-or-change
permission, which would let a view-only role (a coordinator on a tumor) change the record, or revert a
withdrawn consent. In this registry history is read-only: a correction is a new, attributed edit."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class AuditHistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
