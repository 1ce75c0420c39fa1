"""Placeholder until the OData feed lands."""

from rest_framework.views import APIView


class ServiceDocument(APIView):
    pass


class Metadata(APIView):
    pass


class ResponseSet(APIView):
    pass
