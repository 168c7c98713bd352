/// Membership updates waiting to be piggybacked, at most one per member (the newest).
///
/// Each update goes out up to `limit` times; messages take the least-sent updates first and,
/// among equally sent ones, the newest first, as many as fit the byte budget. Entries are kept
/// in that order, so a message reads only the front of the queue.
struct DisseminationQueue: Sendable {
    private struct Entry: Sendable {
        var update: MembershipUpdate
        var transmissions: Int
        var order: UInt64

        func precedes(_ other: Entry) -> Bool {
            transmissions != other.transmissions ? transmissions < other.transmissions : order > other.order
        }
    }

    /// Sorted by `Entry.precedes`.
    private var entries: [Entry] = []
    /// The queued entry of each member, to find it by binary search.
    private var queued: [String: Entry] = [:]
    private var nextOrder: UInt64 = 0

    /// Queues `update`, replacing any older update about the same member.
    mutating func enqueue(_ update: MembershipUpdate) {
        remove(memberID: update.member.id)
        let entry = Entry(update: update, transmissions: 0, order: nextOrder)
        entries.insert(entry, at: 0)
        queued[update.member.id] = entry
        nextOrder += 1
    }

    /// Forgets any update about `memberID`.
    mutating func remove(memberID: String) {
        guard let entry = queued.removeValue(forKey: memberID) else { return }
        entries.remove(at: insertionIndex(of: entry))
    }

    /// Takes updates fitting `budget` bytes (at most `maxCount`), counting one transmission for
    /// each and dropping those that reached `limit`.
    mutating func take(budget: Int, maxCount: Int, limit: Int, excluding excluded: String? = nil) -> [MembershipUpdate] {
        guard budget > 0, maxCount > 0 else { return [] }
        var remaining = budget
        var takenIndices: [Int] = []
        for index in entries.indices {
            guard takenIndices.count < maxCount, remaining >= 16 else { break }
            let update = entries[index].update
            let size = WireCodec.encodedSize(update)
            guard size <= remaining, update.member.id != excluded else { continue }
            remaining -= size
            takenIndices.append(index)
        }
        var taken: [Entry] = []
        for index in takenIndices.reversed() {
            taken.append(entries.remove(at: index))
        }
        for var entry in taken {
            entry.transmissions += 1
            guard entry.transmissions < limit else {
                queued[entry.update.member.id] = nil
                continue
            }
            entries.insert(entry, at: insertionIndex(of: entry))
            queued[entry.update.member.id] = entry
        }
        return taken.reversed().map(\.update)
    }

    private func insertionIndex(of entry: Entry) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].precedes(entry) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
