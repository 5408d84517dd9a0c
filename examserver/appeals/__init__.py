"""Technical appeals: filing within the hour, commissions, the journal replay
against the keys, decisions and member signatures (with personal keys sealed
under the member's password), and the signed appeal protocol."""
