"""The page's custom domain: the DNS records it needs (`records`), a check of those records
and of the certificate the domain serves (`verify`), and the last result, kept next to the
notifier's state (`state`).

`statusgen domain` prints the records; `statusgen run` and `build` check them each time
(a failed or impossible check never fails the pass) and the result is published in
`api/v1/status.json` and shown by `statusgen check`. Import the modules themselves:
`state` is light (the site reads it), `verify` loads dnspython and the TLS code.
"""
