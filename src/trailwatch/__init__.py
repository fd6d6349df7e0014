"""trailwatch: prove that CloudTrail sign-in detections catch the logins they exist for."""

__version__ = "0.1.0"
