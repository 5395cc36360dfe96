"""Who a connection is, and what it may do with which document."""
