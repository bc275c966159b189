"""What the drills measure their answers with: percentiles, milliseconds, and the statuses and latencies
of a list of answers (each as (started, finished, status, ...))."""


def percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(fraction * len(values)))] if values else 0.0


def ms(seconds):
    return f"{seconds * 1000:.0f} ms"


def statuses(answers):
    counts = {}
    for answer in answers:
        counts[answer[2]] = counts.get(answer[2], 0) + 1
    return ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(counts.items())) or "none"


def latencies(answers):
    return [finished - started for started, finished, *_ in answers]
