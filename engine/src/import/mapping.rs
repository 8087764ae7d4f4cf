//! Column mapping: which lead field each column of a file holds, detected from header names.
//!
//! Headers are compared after lower-casing and dropping everything but letters and digits, so
//! "E-mail", "Email Address" and "email_address" are all recognised. Matching is exact on that
//! form, never by substring, because exports carry look-alike columns that must not be read
//! ("Company LinkedIn URL" is not the person's profile, "Email Status" is not an address).

use domain::leads::Field;

/// Known header spellings per field; Apollo, HubSpot, Salesforce, LinkedIn Sales Navigator and
/// hand-made spreadsheets between them.
const KNOWN: &[(Field, &[&str])] = &[
    (Field::Email, &["email", "emailaddress", "workemail", "businessemail", "contactemail", "primaryemail", "mail", "emailid"]),
    (
        Field::LinkedinUrl,
        &["linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl", "personlinkedinurl", "personlinkedin", "profileurl", "linkedinlink"],
    ),
    (Field::FirstName, &["firstname", "first", "givenname", "forename", "fname", "christianname"]),
    (Field::LastName, &["lastname", "last", "surname", "familyname", "lname"]),
    (Field::FullName, &["name", "fullname", "contactname", "contact", "person", "personname", "leadname"]),
    (Field::Title, &["title", "jobtitle", "position", "role", "jobrole", "designation", "jobposition"]),
    (
        Field::Company,
        &[
            "company", "companyname", "organisation", "organization", "organisationname", "organizationname", "account",
            "accountname", "employer", "business", "businessname", "companynameforemails",
        ],
    ),
    (Field::CompanyDomain, &["domain", "companydomain", "websitedomain", "emaildomain"]),
    (Field::Website, &["website", "companywebsite", "url", "websiteurl", "companyurl", "web", "homepage", "site"]),
    (
        Field::Phone,
        &[
            "phone", "phonenumber", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "telephone", "tel",
            "directphone", "workphone", "workdirectphone", "firstphone", "corporatephone", "businessphone",
        ],
    ),
    (Field::Location, &["location", "city", "state", "region", "suburb", "town", "province", "personlocation"]),
    (Field::Country, &["country", "countryname", "countrycode"]),
    (Field::Industry, &["industry", "sector", "vertical", "companyindustry"]),
    (
        Field::EmployeeCount,
        &[
            "employees", "employeecount", "numberofemployees", "noofemployees", "numemployees", "companysize", "size",
            "headcount", "staff", "staffcount", "estimatednumemployees", "companyheadcount",
        ],
    ),
];

fn normalise(header: &str) -> String {
    header.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The field a header names, if any.
pub fn field_for(header: &str) -> Option<Field> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    KNOWN.iter().find(|(_, names)| names.contains(&h.as_str())).map(|(f, _)| *f)
}

/// Column index → field, for the columns that were recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub columns: Vec<(usize, Field)>,
    /// The file's header text of each mapped column, for the import page.
    pub headers: Vec<(String, Field)>,
}

impl Mapping {
    /// Detects the mapping from a header row. Several columns may feed one field (e.g. city and
    /// state both feed location; Apollo's several phone columns feed phone, first non-empty
    /// wins).
    pub fn detect<'a>(headers: impl IntoIterator<Item = &'a str>) -> Mapping {
        let mut columns = Vec::new();
        let mut names = Vec::new();
        for (i, h) in headers.into_iter().enumerate() {
            if let Some(f) = field_for(h) {
                columns.push((i, f));
                names.push((h.trim().to_string(), f));
            }
        }
        Mapping { columns, headers: names }
    }

    /// The mapping a person chose: one entry per column (already validated by
    /// `domain::column_mapping::validate`).
    pub fn chosen(headers: &[String], choice: &[Option<Field>]) -> Mapping {
        let mut columns = Vec::new();
        let mut names = Vec::new();
        for (i, (h, f)) in headers.iter().zip(choice).enumerate() {
            if let Some(f) = f {
                columns.push((i, *f));
                names.push((h.trim().to_string(), *f));
            }
        }
        Mapping { columns, headers: names }
    }

    /// The detected field of each column, in column order.
    pub fn per_column(&self, columns: usize) -> Vec<Option<Field>> {
        (0..columns).map(|i| self.columns.iter().find(|(c, _)| *c == i).map(|(_, f)| *f)).collect()
    }

    pub fn has(&self, f: Field) -> bool {
        self.columns.iter().any(|(_, x)| *x == f)
    }

    /// Why the file cannot be imported with this mapping, if it cannot.
    pub fn problem(&self) -> Option<String> {
        (!self.has(Field::Email) && !self.has(Field::LinkedinUrl))
            .then(|| "no column looks like an email address or a LinkedIn URL; name one \"Email\" or \"LinkedIn URL\"".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_header_spellings_are_recognised() {
        for (h, f) in [
            ("E-mail", Field::Email),
            ("Email Address", Field::Email),
            ("work_email", Field::Email),
            ("First Name", Field::FirstName),
            ("firstname", Field::FirstName),
            ("Given name", Field::FirstName),
            ("Surname", Field::LastName),
            ("Full Name", Field::FullName),
            ("Job Title", Field::Title),
            ("Position", Field::Title),
            ("Organisation", Field::Company),
            ("Company Name", Field::Company),
            ("Company Domain", Field::CompanyDomain),
            ("Website", Field::Website),
            ("Person Linkedin Url", Field::LinkedinUrl),
            ("LinkedIn", Field::LinkedinUrl),
            ("Mobile", Field::Phone),
            ("City", Field::Location),
            ("Country", Field::Country),
            ("Industry", Field::Industry),
            ("# Employees", Field::EmployeeCount),
            ("Company size", Field::EmployeeCount),
        ] {
            assert_eq!(field_for(h), Some(f), "{h}");
        }
    }

    #[test]
    fn look_alike_columns_are_not_read() {
        for h in ["Email Status", "Company Linkedin Url", "Company City", "Notes", "", "###"] {
            assert_eq!(field_for(h), None, "{h}");
        }
    }

    #[test]
    fn a_file_without_email_or_linkedin_column_cannot_be_imported() {
        assert!(Mapping::detect(["Name", "Company"]).problem().is_some());
        assert!(Mapping::detect(["Name", "LinkedIn URL"]).problem().is_none());
    }
}
