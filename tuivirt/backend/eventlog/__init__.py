"""The fleet's event log: what libvirt told of every host, and what tuivirt did."""
