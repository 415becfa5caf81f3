"""Template context shared by the project's own pages (worklist, outcome dashboard), so that they carry
the admin's header, user menu and log-out form like the admin pages they sit beside."""

from django.contrib import admin


def registry_site(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "site_url": "/",
        # The admin base template shows the user menu (and log-out) when this is true.
        "has_permission": bool(user and user.is_authenticated),
    }
