"""The record: patients, tumors and everything abstracted about them."""
