"""Running the server in production: backups that restore and prove it, the
integrity check of everything signed and chained, health endpoints, and the
exchange of signed results between a centre and the authority."""
