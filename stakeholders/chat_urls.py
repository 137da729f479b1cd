"""A department's chat channels (mounted under /departments/<code>/chat-channels/)."""

from django.urls import path

from stakeholders import views

urlpatterns = [
    path("", views.chat_channels, name="chat-channels"),
    path("<int:pk>/toggle/", views.chat_channel_toggle, name="chat-channel-toggle"),
    path("<int:pk>/test/", views.chat_channel_test, name="chat-channel-test"),
    path("<int:pk>/delete/", views.chat_channel_delete, name="chat-channel-delete"),
]
