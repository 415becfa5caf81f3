"""Forms of the worklist actions; each error names its field."""

from __future__ import annotations

from django import forms

from registry.vocabularies import FollowUpStatus, ImagingRegion, ImagingResult, Modality

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class WorklistFilterForm(forms.Form):
    STATE_CHOICES = [
        ("active", "Needs attention (upcoming to escalated, scheduled)"),
        ("open", "All open"),
        ("planned", "Planned (window not open)"),
        ("upcoming", "Upcoming"),
        ("due", "Due"),
        ("overdue", "Overdue"),
        ("escalated", "Escalated"),
        ("scheduled", "Scheduled"),
        ("completed", "Completed"),
        ("not_needed", "Not needed"),
        ("all", "All"),
    ]
    SORT_CHOICES = [
        ("overdue", "Days overdue (most first)"),
        ("-due", "Due date (latest first)"),
        ("registry_number", "Registry number"),
    ]
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    due_from = forms.DateField(required=False, widget=DATE_INPUT)
    due_to = forms.DateField(required=False, widget=DATE_INPUT)
    institution = forms.IntegerField(required=False, widget=forms.Select)
    coordinator = forms.IntegerField(required=False, widget=forms.Select)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)


class ScheduleForm(forms.Form):
    scheduled_date = forms.DateField(widget=DATE_INPUT, label="Scheduled for")


class NotNeededForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why not needed")


class CompleteForm(forms.Form):
    study = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Existing imaging study"
    )
    study_date = forms.DateField(required=False, widget=DATE_INPUT, label="or a new study on")
    modality = forms.ChoiceField(choices=[("", "---")] + Modality.choices, required=False)
    region = forms.ChoiceField(
        choices=ImagingRegion.choices, required=False, initial=ImagingRegion.PRIMARY_SITE
    )
    result = forms.ChoiceField(choices=[("", "---")] + ImagingResult.choices, required=False)

    def __init__(self, *args, studies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study"].choices = [("", "---")] + [
            (s.pk, f"{s.date} {s.get_modality_display()} {s.get_region_display()}") for s in studies
        ]

    def clean(self):
        data = super().clean()
        if data.get("study") is None:
            if not data.get("study_date"):
                self.add_error("study_date", "Pick an existing study or enter the date of a new one.")
            if not data.get("modality"):
                self.add_error("modality", "Enter the modality of the new study.")
        return data


class FollowUpForm(forms.Form):
    follow_up_status = forms.ChoiceField(choices=FollowUpStatus.choices, label="Follow-up status")
