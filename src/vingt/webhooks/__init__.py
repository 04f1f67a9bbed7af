"""Webhooks: what a subscription may say (targets, operations) and, later, their delivery."""
