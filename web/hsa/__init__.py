"""The national platform's institution interface (国家医保信息平台 定点医药机构接口), POST /hsa/v1.

A thin adapter, as web/fhir is: each transaction runs the graph's operations or the same services as the
calling partner. `mapping.py` holds every field mapping and every choice made for an unconfirmed fact
(docs/hsa.md); `wire.py` the JSON and money on the wire; `envelope.py` the envelope's checks;
`transactions.py` one handler per infno; `gateway.py` the endpoint, msgid idempotency and the log.
"""
