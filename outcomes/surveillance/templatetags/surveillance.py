"""`{% load surveillance %}{% surveillance_panel patient %}`: the plan, its reason and the current item,
for the registry's patient admin page (read-only)."""

from django import template

from outcomes.surveillance.selectors import patient_surveillance_summary

register = template.Library()


@register.inclusion_tag("surveillance/patient_panel.html")
def surveillance_panel(patient):
    return patient_surveillance_summary(patient)
