"""Coordinator worklist pages: list with filters and sorting, item detail with actions (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from outcomes.surveillance import forms, selectors, services
from registry.models import Institution

PAGE_SIZE = 50


def _require_reader(user) -> None:
    if not selectors.can_read_worklist(user):
        raise PermissionDenied("Your role does not give access to the surveillance worklist.")


@login_required
def worklist(request):
    _require_reader(request.user)
    filters = forms.WorklistFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    items = selectors.worklist_items(
        user=request.user,
        state=data.get("state") or "active",
        due_from=data.get("due_from"),
        due_to=data.get("due_to"),
        institution_id=data.get("institution"),
        coordinator_id=data.get("coordinator"),
        sort=data.get("sort") or "overdue",
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    sees_all = selectors.sees_all_patients(request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "surveillance/worklist.html",
        {
            "title": "Surveillance worklist",
            "filters": filters,
            "page": page,
            "rows": [(item, item.days_overdue(today)) for item in page.object_list],
            "institutions": Institution.objects.order_by("name").values_list("pk", "name"),
            "coordinators": get_user_model()
            .objects.filter(coordinated_patients__isnull=False)
            .distinct()
            .order_by("username")
            .values_list("pk", "username")
            if sees_all
            else [],
            "selected": {
                k: request.GET.get(k, "")
                for k in ("state", "due_from", "due_to", "institution", "coordinator", "sort")
            },
            "query": query.urlencode(),
            "can_act": selectors.can_act_on_worklist(request.user),
        },
    )


def _item_for(request, item_id: int):
    return get_object_or_404(selectors.visible_items(request.user), pk=item_id)


def _detail_context(request, item, **form_overrides):
    studies = list(selectors.patient_studies(item.patient_id))
    context = {
        "title": f"Surveillance of {item.patient}",
        "item": item,
        "patient": item.patient,
        "summary": selectors.patient_surveillance_summary(item.patient_id),
        "studies": studies,
        "history": item.history.select_related("history_user").order_by("-history_date")[:30],
        "can_act": selectors.can_act_on_worklist(request.user),
        "schedule_form": forms.ScheduleForm(),
        "complete_form": forms.CompleteForm(studies=studies),
        "not_needed_form": forms.NotNeededForm(),
        "follow_up_form": forms.FollowUpForm(initial={"follow_up_status": item.patient.follow_up_status}),
        "today": timezone.localdate(),
    }
    context.update(form_overrides)
    return context


@login_required
def item_detail(request, item_id: int):
    _require_reader(request.user)
    item = _item_for(request, item_id)
    return render(request, "surveillance/item_detail.html", _detail_context(request, item))


@login_required
@require_POST
def item_action(request, item_id: int, action: str):
    _require_reader(request.user)
    if not selectors.can_act_on_worklist(request.user):
        raise PermissionDenied("Registrars read the worklist; coordinators record actions.")
    item = _item_for(request, item_id)
    today = timezone.localdate()
    form_name, form = {
        "schedule": ("schedule_form", forms.ScheduleForm(request.POST)),
        "complete": (
            "complete_form",
            forms.CompleteForm(request.POST, studies=selectors.patient_studies(item.patient_id)),
        ),
        "not-needed": ("not_needed_form", forms.NotNeededForm(request.POST)),
        "follow-up": ("follow_up_form", forms.FollowUpForm(request.POST)),
    }.get(action, (None, None))
    if form is None:
        raise PermissionDenied("Unknown action.")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "schedule":
                services.item_schedule(
                    item_id=item.pk, scheduled_date=data["scheduled_date"], user=request.user, as_of=today
                )
                message = f"Marked scheduled for {data['scheduled_date']}."
            elif action == "complete":
                services.item_complete(
                    item_id=item.pk,
                    user=request.user,
                    as_of=today,
                    study_id=data.get("study"),
                    study_date=data.get("study_date"),
                    modality=data.get("modality") or "",
                    region=data.get("region") or "",
                    result=data.get("result") or "",
                )
                message = "Marked completed; the next item is on the worklist."
            elif action == "not-needed":
                services.item_not_needed(
                    item_id=item.pk, reason=data["reason"], user=request.user, as_of=today
                )
                message = "Marked not needed."
            else:
                services.patient_set_follow_up(
                    patient_id=item.patient_id,
                    status=data["follow_up_status"],
                    user=request.user,
                    as_of=today,
                )
                message = "Follow-up status saved."
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, message)
            return redirect("surveillance:item", item_id=item.pk)
    item.refresh_from_db()
    return render(
        request,
        "surveillance/item_detail.html",
        _detail_context(request, item, **{form_name: form}),
        status=400,
    )
