"""The front desk's assistant: FAQ answers, the scheduling chat, analytics and reports."""
