"""Known-answer validation cases of the model."""
