"""Services for the NAACCR import's review list."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from registry.models import ImportReview, ImportReviewStatus


def import_reviews_reject(*, review_ids: list[int], user) -> int:
    """Reject the open entries among `review_ids`; decided entries are left as they are."""
    with transaction.atomic():
        return ImportReview.objects.filter(pk__in=review_ids, status=ImportReviewStatus.OPEN).update(
            status=ImportReviewStatus.REJECTED, decided_by=user, decided_at=timezone.now()
        )
