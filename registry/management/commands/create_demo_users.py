"""Create one demo user per role and print their logins (demo database only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from registry.roles import COORDINATOR, EPIDEMIOLOGIST, REGISTRAR, REGISTRY_ADMIN

DEMO_USERS = (
    ("registrar", REGISTRAR, True, False),
    ("coordinator", COORDINATOR, True, False),
    ("epidemiologist", EPIDEMIOLOGIST, False, False),
    ("admin", REGISTRY_ADMIN, True, True),
)


class Command(BaseCommand):
    help = "Create the demo users (one per role) with known passwords. Refuses outside the demo."

    def handle(self, *args, **options):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" or not settings.DEBUG:
            raise CommandError("Demo users with known passwords are only created on the demo database.")
        User = get_user_model()
        self.stdout.write("Demo logins (http://127.0.0.1:8000/admin/):")
        for username, role, is_staff, is_superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            password = f"demo-{username}"
            user.set_password(password)
            user.is_staff, user.is_superuser = is_staff, is_superuser
            user.email = f"{username}@imt-registry.invalid"
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"  {role:<15} user {username:<15} password {password}")
        # The synthetic cohort's coordinators own its patients: give them demo passwords too.
        for user in (
            User.objects.filter(groups__name=COORDINATOR).exclude(username="coordinator").order_by("username")
        ):
            user.set_password(f"demo-{user.username}")
            user.is_staff = True
            user.save()
            self.stdout.write(f"  {COORDINATOR:<15} user {user.username:<15} password demo-{user.username}")
