"""Admin building blocks shared by every app."""


class ReadOnlyAdminMixin:
    """Rows nobody adds, changes or deletes in the admin: a service alone writes them (logs, key tables,
    schedules kept by the worklist)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
