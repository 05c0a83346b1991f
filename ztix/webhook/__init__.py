"""The webhook receiver: signed forge events run the apply job, one run at a time."""
