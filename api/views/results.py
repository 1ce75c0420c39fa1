"""Placeholder."""

from rest_framework.views import APIView


class Results(APIView):
    pass
