"""Placeholder."""

from rest_framework.views import APIView


class Responses(APIView):
    pass
