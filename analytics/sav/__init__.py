"""SPSS .sav files written directly, streamed from chunks of columns (`SavWriter`)."""

from .dictionary import SavColumn
from .writer import SavWriter

__all__ = ["SavColumn", "SavWriter"]
