"""Every REST endpoint under /api/v1/, named api:<name>. Keep this a plain list: register a
viewset on the router, or add a path() for a single view."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api.apis import ApiTokenViewSet
from decisions.apis import DecisionViewSet, ProposalViewSet, RadarApi, SignOffViewSet
from decisions.budget_apis import BudgetApi, BudgetsApi
from decisions.handoff_apis import OnboardingTaskViewSet
from decisions.pilot_apis import (
    PilotApi,
    PilotDecisionApi,
    PilotRatingApi,
    PilotReviewApi,
    PilotVerdictApi,
)
from decisions.renewal_apis import RenewalsDueApi
from decisions.risk_apis import ProposalRiskApi, RiskQuestionViewSet
from decisions.scoring_apis import (
    ScoringAlternativeApi,
    ScoringAlternativesApi,
    ScoringApi,
    ScoringCriterionViewSet,
    ScoringScoresApi,
)
from glossary.apis import TermViewSet
from imports.apis import ImportApi
from landscape.apis import GuardrailViewSet, IntegrationViewSet, StandardsApi, ToolViewSet
from landscape.usage_apis import ToolUsageApi, UsageApi
from stakeholders.apis import (
    ChatChannelApi,
    DepartmentChatChannelsApi,
    DepartmentViewSet,
    IdentityGroupMappingApi,
    IdentityGroupMappingsApi,
    StrategicGoalViewSet,
)
from vendors.apis import CatalogCustomFieldsApi, SolutionViewSet, VendorViewSet
from vendors.sync.apis import CatalogChangesApi, CatalogSnapshotApi, CatalogSyncApi
from vendors.sync.job_apis import CatalogSyncJobApi, CatalogSyncJobErrorsApi, CatalogSyncJobsApi

router = SimpleRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("goals", StrategicGoalViewSet, basename="goal")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("vendors", VendorViewSet, basename="vendor")
router.register("solutions", SolutionViewSet, basename="solution")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("signoffs", SignOffViewSet, basename="signoff")
router.register("decisions", DecisionViewSet, basename="decision")
router.register("tools", ToolViewSet, basename="tool")
router.register("integrations", IntegrationViewSet, basename="integration")
router.register("guardrails", GuardrailViewSet, basename="guardrail")
router.register("glossary", TermViewSet, basename="glossary-term")
router.register("onboarding-tasks", OnboardingTaskViewSet, basename="onboarding-task")
router.register("scoring-criteria", ScoringCriterionViewSet, basename="scoring-criterion")
router.register("risk-questions", RiskQuestionViewSet, basename="risk-question")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("radar/", RadarApi.as_view(), name="radar"),
    path(
        "departments/<int:pk>/chat-channels/",
        DepartmentChatChannelsApi.as_view(),
        name="department-chat-channels",
    ),
    path("chat-channels/<int:pk>/", ChatChannelApi.as_view(), name="chat-channel"),
    path(
        "identity-group-mappings/",
        IdentityGroupMappingsApi.as_view(),
        name="identity-group-mappings",
    ),
    path(
        "identity-group-mappings/<int:pk>/",
        IdentityGroupMappingApi.as_view(),
        name="identity-group-mapping",
    ),
    path("renewals/", RenewalsDueApi.as_view(), name="renewals"),
    path("budgets/", BudgetsApi.as_view(), name="budgets"),
    path("budgets/<int:pk>/", BudgetApi.as_view(), name="budget"),
    path("standards/", StandardsApi.as_view(), name="standards"),
    path("catalog/sync/", CatalogSyncApi.as_view(), name="catalog-sync"),
    path("catalog/changes/", CatalogChangesApi.as_view(), name="catalog-changes"),
    path("catalog/snapshot/", CatalogSnapshotApi.as_view(), name="catalog-snapshot"),
    path("catalog/custom-fields/", CatalogCustomFieldsApi.as_view(), name="catalog-custom-fields"),
    path("catalog/jobs/", CatalogSyncJobsApi.as_view(), name="catalog-jobs"),
    path("catalog/jobs/<int:pk>/", CatalogSyncJobApi.as_view(), name="catalog-job"),
    path(
        "catalog/jobs/<int:pk>/errors/",
        CatalogSyncJobErrorsApi.as_view(),
        name="catalog-job-errors",
    ),
    path("proposals/<str:reference>/pilot/", PilotApi.as_view(), name="proposal-pilot"),
    path("proposals/<str:reference>/risk/", ProposalRiskApi.as_view(), name="proposal-risk"),
    path("proposals/<str:reference>/scoring/", ScoringApi.as_view(), name="proposal-scoring"),
    path(
        "proposals/<str:reference>/scoring/alternatives/",
        ScoringAlternativesApi.as_view(),
        name="proposal-scoring-alternatives",
    ),
    path(
        "proposals/<str:reference>/scoring/alternatives/<int:pk>/",
        ScoringAlternativeApi.as_view(),
        name="proposal-scoring-alternative",
    ),
    path(
        "proposals/<str:reference>/scoring/scores/",
        ScoringScoresApi.as_view(),
        name="proposal-scoring-scores",
    ),
    path(
        "proposals/<str:reference>/pilot/rating/",
        PilotRatingApi.as_view(),
        name="proposal-pilot-rating",
    ),
    path(
        "proposals/<str:reference>/pilot/review/",
        PilotReviewApi.as_view(),
        name="proposal-pilot-review",
    ),
    path(
        "proposals/<str:reference>/pilot/verdicts/",
        PilotVerdictApi.as_view(),
        name="proposal-pilot-verdicts",
    ),
    path(
        "proposals/<str:reference>/pilot/decision/",
        PilotDecisionApi.as_view(),
        name="proposal-pilot-decision",
    ),
    path("usage/", UsageApi.as_view(), name="usage"),
    path("imports/<slug:kind>/", ImportApi.as_view(), name="import"),
    path("tools/<int:pk>/usage/", ToolUsageApi.as_view(), name="tool-usage"),
    *router.urls,
]
