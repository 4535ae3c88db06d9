"""Sign-in through ЕСИА (Госуслуги), without Flask.

- ``messages``: the signed requests of the current (v2/ac + v3/te) and legacy (ac/te) protocol;
- ``signers``: pure-Python, OpenSSL GOST engine, CryptoPro csptest, remote HTTP service;
- ``gost`` / ``asn1``: GOST R 34.10-2012 keys, certificates, signatures, detached CMS;
- ``tokens``: JWT verification (signature, issuer, client, expiry);
- ``client``: the code-for-token exchange and the person's data (/rs/prns/{oid});
- ``linking`` / ``policy``: who the person is in Кружок, and who may still use a password;
- ``settings``: the ESIA_* configuration (development defaults point at devidp).
"""
