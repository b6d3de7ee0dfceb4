// Tests of the Node library's parts, one file per part. (The tools' tests are in
// EdgeRaftToolsTests.)
import Node
