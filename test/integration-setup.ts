// Integration tests wait on real servers (group joins, broker start): the 5 s default is too short.
jest.setTimeout(120_000);
