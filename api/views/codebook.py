"""Placeholder until the codebook lands."""

from rest_framework.views import APIView


class Codebook(APIView):
    pass
