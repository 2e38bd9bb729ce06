import Foundation
import Testing
@testable import LikenessLineage

@Suite struct WorksTableTests {
    @Test func quotedFieldsAndCredits() throws {
        let csv = #"""
        met_object_id,title,artist,artist_dates,object_date,medium,department,source_url,metadata_source,checked
        436105,"Self-Portrait, with ""Hat""",Rembrandt,1606–1669,1660,Oil on canvas,European Paintings,https://www.metmuseum.org/art/collection/search/436105,x,copied
        10075,,,,,,,https://www.metmuseum.org/art/collection/search/10075,,

        """#
        let table = try WorksTable(csv: csv)
        let work = table.work(436105)
        #expect(work.title == "Self-Portrait, with \"Hat\"")
        #expect(work.credit == "Rembrandt, Self-Portrait, with \"Hat\" (1660)")
        #expect(work.markdownCredit == "Rembrandt, *Self-Portrait, with \"Hat\"* (1660) · The Met, object 436105")
        #expect(table.work(10075).credit == "The Met, object 10075")
        #expect(table.work(99).url == "https://www.metmuseum.org/art/collection/search/99")
    }

    @Test func malformedTableNamesTheLine() {
        #expect(throws: LineageError.self) { try WorksTable(csv: "met_object_id,title\n1,a\n") }
        do {
            _ = try WorksTable(csv: "met_object_id,title,artist,object_date,source_url\nabc,t,a,d,u\n", path: "w.csv")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("w.csv', line 2"))
            #expect("\(error)".contains("make lineage"))
        }
    }
}
