"""Administration use-cases: moderators and organisers change data, settings and results; every change audited."""
