import LifelineAdmin
import Testing

@Suite struct AdminResponseTests {
    @Test func jsonCarriesItsContentType() {
        #expect(AdminResponse.json("{}").contentType == "application/json")
    }
}
