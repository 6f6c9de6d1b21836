"""Browse: conversations over an interval, filters, the conversation table's cells."""
