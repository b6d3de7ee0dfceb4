/// Columns padded to their widest cell; the first row is the header. Numbers are right-
/// aligned by the caller passing `rightAligned` column indexes.
public struct TextTable: Sendable {
    public var rows: [[String]]
    public var rightAligned: Set<Int>

    public init(header: [String], rightAligned: Set<Int> = []) {
        rows = [header]
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    public var rendered: String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? padding + cell : (index == row.count - 1 ? cell : cell + padding)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
