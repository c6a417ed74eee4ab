"""Per-device communication statistics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class DeviceDiagnostics:
    """Transactions, errors by kind, the last error and response times of one device."""

    transactions: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    last_error_at: float | None = None
    response_time_total_s: float = 0.0
    response_time_worst_s: float = 0.0
    answered: int = 0

    def record_success(self, response_s: float) -> None:
        self.transactions += 1
        self.answered += 1
        self.response_time_total_s += response_s
        self.response_time_worst_s = max(self.response_time_worst_s, response_s)

    def record_error(self, kind: str, message: str, at: float) -> None:
        self.transactions += 1
        self.errors[kind] += 1
        self.last_error = message
        self.last_error_at = at

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def response_time_mean_s(self) -> float | None:
        return self.response_time_total_s / self.answered if self.answered else None

    def as_dict(self) -> dict[str, object]:
        mean = self.response_time_mean_s
        return {
            "transactions": self.transactions,
            "errors": dict(sorted(self.errors.items())),
            "error_count": self.error_count,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "response_time_mean_ms": None if mean is None else round(mean * 1000, 2),
            "response_time_worst_ms": round(self.response_time_worst_s * 1000, 2),
        }
