"""Surveillance pages: the coordinator worklist and its item pages."""

from django.urls import path

from outcomes.surveillance import views

app_name = "surveillance"

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/<slug:action>/", views.item_action, name="item-action"),
]
