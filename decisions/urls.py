from django.urls import path, register_converter

from core.export import ExportFormatConverter
from decisions import views
from decisions.views import budgets, exports, renewals
from decisions.views import handoff as handoff_views
from decisions.views import pilots as pilot_views
from decisions.views import risk as risk_views
from decisions.views import scoring as scoring_views
from decisions.views.shelfware import shelfware_dismiss_view

register_converter(ExportFormatConverter, "export")

urlpatterns = [
    path("", views.home, name="home"),
    path("proposals/", views.proposal_list, name="proposal-list"),
    path("proposals/export.<export:fmt>", exports.proposal_export, name="proposal-export"),
    path("proposals/new/", views.proposal_create, name="proposal-create"),
    path("proposals/preview/", views.proposal_preview, name="proposal-preview"),
    path("proposals/validate/", views.proposal_validate, name="proposal-validate"),
    path("proposals/<str:reference>/", views.proposal_detail, name="proposal-detail"),
    path("proposals/<str:reference>/edit/", views.proposal_edit, name="proposal-edit"),
    path("proposals/<str:reference>/timeline/", views.proposal_timeline, name="proposal-timeline"),
    path(
        "proposals/<str:reference>/timeline/export.<export:fmt>",
        exports.proposal_timeline_export,
        name="proposal-timeline-export",
    ),
    path("proposals/<str:reference>/submit/", views.proposal_submit, name="proposal-submit"),
    path("proposals/<str:reference>/withdraw/", views.proposal_withdraw, name="proposal-withdraw"),
    path("proposals/<str:reference>/decide/", views.decision_take, name="decision-take"),
    path("proposals/<str:reference>/lifecycle/", views.proposal_advance, name="proposal-advance"),
    path("proposals/<str:reference>/comments/", views.comment_add, name="comment-add"),
    path("proposals/<str:reference>/voice/", views.voice_give, name="voice-give"),
    path("proposals/<str:reference>/pilot/", pilot_views.pilot_update, name="pilot-update"),
    path(
        "proposals/<str:reference>/pilot/measure/", pilot_views.pilot_measure, name="pilot-measure"
    ),
    path(
        "proposals/<str:reference>/pilot/review/",
        pilot_views.pilot_review_open,
        name="pilot-review",
    ),
    path("proposals/<str:reference>/pilot/rating/", pilot_views.pilot_rate, name="pilot-rate"),
    path(
        "proposals/<str:reference>/pilot/verdicts/", pilot_views.pilot_verdict, name="pilot-verdict"
    ),
    path(
        "proposals/<str:reference>/pilot/decision/", pilot_views.pilot_decide, name="pilot-decide"
    ),
    path("proposals/<str:reference>/handoff/", handoff_views.handoff_page, name="handoff"),
    path("handoff/mine/", handoff_views.my_tasks, name="my-onboarding-tasks"),
    path("proposals/<str:reference>/scoring/", scoring_views.scoring_page, name="proposal-scoring"),
    path(
        "proposals/<str:reference>/scoring/alternatives/",
        scoring_views.alternative_add,
        name="scoring-alternative-add",
    ),
    path(
        "proposals/<str:reference>/scoring/alternatives/<int:pk>/remove/",
        scoring_views.alternative_remove,
        name="scoring-alternative-remove",
    ),
    path(
        "proposals/<str:reference>/scoring/scores/<str:code>/",
        scoring_views.scores_save,
        name="scoring-scores",
    ),
    path("scoring/criteria/", scoring_views.criteria_page, name="scoring-criteria"),
    path(
        "scoring/criteria/<str:code>/add/",
        scoring_views.criterion_add,
        name="scoring-criterion-add",
    ),
    path("scoring/criteria/<int:pk>/", scoring_views.criterion_edit, name="scoring-criterion-edit"),
    path("handoff/templates/", handoff_views.templates_page, name="onboarding-templates"),
    path(
        "handoff/templates/<str:code>/add/",
        handoff_views.template_add,
        name="onboarding-template-add",
    ),
    path(
        "handoff/templates/<int:pk>/",
        handoff_views.template_edit,
        name="onboarding-template-edit",
    ),
    path("handoff/tasks/<int:pk>/assign/", handoff_views.task_assign, name="onboarding-assign"),
    path("handoff/tasks/<int:pk>/done/", handoff_views.task_done, name="onboarding-done"),
    path("handoff/tasks/<int:pk>/reopen/", handoff_views.task_reopen, name="onboarding-reopen"),
    path("proposals/<str:reference>/risk/", risk_views.proposal_risk, name="proposal-risk"),
    path("risk/questions/", risk_views.risk_questions, name="risk-questions"),
    path(
        "risk/questions/<int:pk>/edit/",
        risk_views.risk_question_edit,
        name="risk-question-edit",
    ),
    path("signoffs/<int:pk>/decide/", views.signoff_decide, name="signoff-decide"),
    path("queue/", views.queue, name="queue"),
    path("decisions/", views.cdo_decisions, name="cdo-decisions"),
    path("decisions/export.<export:fmt>", exports.decision_export, name="decision-export"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("budgets/", budgets.budgets, name="budgets"),
    path("budgets/set/", budgets.budget_set, name="budget-set"),
    path("radar/", views.radar, name="radar"),
    path("renewals/", renewals.renewal_calendar, name="renewal-calendar"),
    path("renewals/feed/", renewals.renewal_feed_create, name="renewal-feed-create"),
    path("renewals/feed/revoke/", renewals.renewal_feed_revoke, name="renewal-feed-revoke"),
    path("renewals/feed/<str:token>.ics", renewals.renewal_feed, name="renewal-feed"),
    path("renewals/tools/<int:pk>/open/", renewals.renewal_open_view, name="renewal-open"),
    path("catalog/solutions/<int:pk>/", views.solution_detail, name="solution-detail"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    # On the tool's page (the landscape's URL), answered by the workflow, which owns the rule.
    path(
        "landscape/tools/<int:pk>/shelfware/dismiss/",
        shelfware_dismiss_view,
        name="shelfware-dismiss",
    ),
]
