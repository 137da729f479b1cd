from django.urls import path

from glossary import views

urlpatterns = [
    path("", views.glossary, name="glossary"),
    path("new/", views.term_create, name="glossary-term-create"),
    path("<slug:slug>/", views.term_detail, name="glossary-term"),
    path("<slug:slug>/edit/", views.term_edit, name="glossary-term-edit"),
    path("<slug:slug>/meanings/<str:code>/", views.meaning_edit, name="glossary-meaning-edit"),
]
