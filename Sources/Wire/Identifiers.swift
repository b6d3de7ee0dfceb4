/// A node's number within its cluster (0 is a valid id).
public typealias NodeID = UInt16

/// The cluster a datagram belongs to; datagrams of other clusters are dropped.
public typealias ClusterID = UInt16
