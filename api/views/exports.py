"""Placeholder."""

from rest_framework.views import APIView


class ExportList(APIView):
    pass


class ExportDetail(APIView):
    pass


class ExportFile(APIView):
    pass
