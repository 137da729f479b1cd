"""The glossary's API representation: a term, its shared definition, its departments' meanings."""

from __future__ import annotations

from rest_framework import serializers

from glossary.models import DepartmentMeaning, Term
from stakeholders.serializers import DepartmentRefSerializer


class DepartmentMeaningSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer()

    class Meta:
        model = DepartmentMeaning
        fields = ["department", "text", "updated_at"]


class TermSerializer(serializers.ModelSerializer):
    meanings = DepartmentMeaningSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="The term's anchor on the glossary page.")

    class Meta:
        model = Term
        fields = ["id", "slug", "name", "definition", "meanings", "url", "created_at", "updated_at"]

    def get_url(self, obj: Term) -> str:
        return f"/glossary/#{obj.slug}"
