"""The demo catalog: real-sounding HR, marketing and IT tools, the ones already in use, and the
integrations between them. Loaded by `manage.py seed_demo`; entered here, so `source` is empty.

List prices are indicative list prices of the kind a vendor's price page shows, in the vendor's
usual currency; they are demo data, not quotes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from django.db import transaction

from vendors.models import Category, Deployment, Integration, PricingModel, Solution, Vendor

C, P, D = Category, PricingModel, Deployment


@dataclass(frozen=True)
class DemoSolution:
    name: str
    category: str
    pricing_model: str
    list_price: str | None
    price_unit: str
    description: str
    currency: str = "EUR"
    deployment: str = D.SAAS
    iso27001: bool = False
    soc2: bool = False
    sso: bool = False
    has_api: bool = False
    personal_data: bool = False
    data_location: str = ""
    in_use: bool = False


@dataclass(frozen=True)
class DemoVendor:
    name: str
    website: str
    country: str
    description: str
    solutions: list[DemoSolution] = field(default_factory=list)


class _Flags(TypedDict, total=False):
    iso27001: bool
    soc2: bool
    sso: bool
    has_api: bool


# Flags most SaaS suites share: certified, SSO and an API.
SUITE: _Flags = {"iso27001": True, "soc2": True, "sso": True, "has_api": True}

VENDORS: list[DemoVendor] = [
    DemoVendor(
        "Workday",
        "https://www.workday.com",
        "US",
        "Enterprise cloud applications for finance and HR.",
        [
            DemoSolution(
                "Workday Human Capital Management",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "9.50",
                "per employee per month",
                "Core HR, absence, compensation and organisation management for large companies.",
                currency="USD",
                personal_data=True,
                data_location="EU (Dublin, Amsterdam)",
                **SUITE,
            ),
            DemoSolution(
                "Workday Recruiting",
                C.TALENT_ACQUISITION,
                P.PER_SEAT,
                "3.00",
                "per employee per month",
                "Recruiting on the Workday platform: requisitions, candidates, offers.",
                currency="USD",
                personal_data=True,
                data_location="EU (Dublin, Amsterdam)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Personio",
        "https://www.personio.com",
        "DE",
        "All-in-one HR software for small and medium-sized companies.",
        [
            DemoSolution(
                "Personio HR",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "8.50",
                "per employee per month",
                "Employee records, absences, documents and payroll preparation; our HR master.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                in_use=True,
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "DATEV",
        "https://www.datev.de",
        "DE",
        "German cooperative providing accounting and payroll software for tax advisers.",
        [
            DemoSolution(
                "DATEV Lohn und Gehalt",
                C.CORE_HR_PAYROLL,
                P.PERPETUAL,
                "2400.00",
                "licence, plus yearly maintenance",
                "Payroll for German employees, on premise; filings go through DATEV's data centre.",
                deployment=D.HYBRID,
                iso27001=True,
                has_api=True,
                personal_data=True,
                data_location="Germany (Nuremberg)",
                in_use=True,
            ),
        ],
    ),
    DemoVendor(
        "SAP",
        "https://www.sap.com",
        "DE",
        "Enterprise software, including the SuccessFactors HR suite.",
        [
            DemoSolution(
                "SAP SuccessFactors Employee Central",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "11.00",
                "per employee per month",
                "Global core HR and payroll integration for complex organisations.",
                personal_data=True,
                data_location="EU (St. Leon-Rot, Frankfurt)",
                **SUITE,
            ),
            DemoSolution(
                "SAP SuccessFactors Learning",
                C.LEARNING,
                P.PER_SEAT,
                "4.00",
                "per employee per month",
                "Compliance and skills training with certifications and learning paths.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Deel",
        "https://www.deel.com",
        "US",
        "Global payroll, contractors and employer-of-record services.",
        [
            DemoSolution(
                "Deel Employer of Record",
                C.CORE_HR_PAYROLL,
                P.ON_DEMAND,
                "599.00",
                "per employee per month",
                "Hire employees in countries where we have no legal entity; Deel is the employer.",
                currency="USD",
                personal_data=True,
                data_location="EU and US",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Greenhouse",
        "https://www.greenhouse.com",
        "US",
        "Hiring software: applicant tracking and onboarding.",
        [
            DemoSolution(
                "Greenhouse Recruiting",
                C.TALENT_ACQUISITION,
                P.PER_SEAT,
                "6500.00",
                "per year, up to 100 employees",
                "Structured hiring: job posts, scorecards, interview plans, offer approvals.",
                currency="USD",
                personal_data=True,
                data_location="EU (Frankfurt) or US",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "SmartRecruiters",
        "https://www.smartrecruiters.com",
        "US",
        "Talent acquisition suite for enterprise recruiting.",
        [
            DemoSolution(
                "SmartRecruiters Talent Acquisition Suite",
                C.TALENT_ACQUISITION,
                P.PER_SEAT,
                "10.00",
                "per employee per year",
                "Career sites, CRM for candidates, collaborative hiring and a marketplace.",
                currency="USD",
                personal_data=True,
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Textkernel",
        "https://www.textkernel.com",
        "NL",
        "Semantic search and parsing of CVs and vacancies.",
        [
            DemoSolution(
                "Textkernel Extract",
                C.TALENT_ACQUISITION,
                P.API,
                "0.15",
                "per parsed document",
                "CV and vacancy parsing API in 29 languages, white-label inside other ATSs.",
                iso27001=True,
                has_api=True,
                personal_data=True,
                data_location="EU (Netherlands)",
            ),
        ],
    ),
    DemoVendor(
        "LinkedIn",
        "https://business.linkedin.com",
        "US",
        "Professional network with recruiting, learning and marketing products.",
        [
            DemoSolution(
                "LinkedIn Recruiter",
                C.TALENT_ACQUISITION,
                P.PER_SEAT,
                "825.00",
                "per recruiter seat per month",
                "Search and InMail across LinkedIn's members; projects and pipelines.",
                currency="USD",
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="US",
                soc2=True,
            ),
            DemoSolution(
                "LinkedIn Learning",
                C.LEARNING,
                P.PER_SEAT,
                "20.00",
                "per learner per month",
                "A library of 20,000 courses on business, creative and technology skills.",
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="US",
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "Coursera",
        "https://www.coursera.org/business",
        "US",
        "Online courses and certificates from universities and companies.",
        [
            DemoSolution(
                "Coursera for Business",
                C.LEARNING,
                P.PER_SEAT,
                "399.00",
                "per learner per year",
                "University-grade courses and professional certificates, with skills insights.",
                currency="USD",
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="US",
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "Moodle",
        "https://moodle.com",
        "AU",
        "The open-source learning management system.",
        [
            DemoSolution(
                "Moodle LMS",
                C.LEARNING,
                P.FREE,
                None,
                "open source; hosting at our cost",
                "Self-hosted courses, quizzes and completion tracking.",
                deployment=D.ON_PREMISE,
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="Our data centre",
            ),
        ],
    ),
    DemoVendor(
        "Culture Amp",
        "https://www.cultureamp.com",
        "AU",
        "Employee experience platform: engagement, performance and development.",
        [
            DemoSolution(
                "Culture Amp Engage",
                C.ENGAGEMENT,
                P.PER_SEAT,
                "5.00",
                "per employee per month",
                "Engagement, pulse and lifecycle surveys with benchmarks and action plans.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Staffbase",
        "https://staffbase.com",
        "DE",
        "Employee communications platform: app, intranet and email.",
        [
            DemoSolution(
                "Staffbase Employee App",
                C.ENGAGEMENT,
                P.PER_SEAT,
                "3.20",
                "per employee per month",
                "A branded app and intranet for employees without a desk or a company email.",
                personal_data=True,
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Qualtrics",
        "https://www.qualtrics.com",
        "US",
        "Experience management: employee, customer and brand research.",
        [
            DemoSolution(
                "Qualtrics EmployeeXM",
                C.ENGAGEMENT,
                P.PER_SEAT,
                "12.00",
                "per employee per year",
                "Employee listening across the lifecycle with predictive analytics.",
                currency="USD",
                personal_data=True,
                data_location="EU (Frankfurt, Dublin)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Leapsome",
        "https://www.leapsome.com",
        "DE",
        "People enablement platform: performance, goals, learning and engagement.",
        [
            DemoSolution(
                "Leapsome Performance & Goals",
                C.PERFORMANCE,
                P.PER_SEAT,
                "8.00",
                "per employee per month",
                "Review cycles, OKRs, one-to-ones and 360° feedback.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Lattice",
        "https://lattice.com",
        "US",
        "People management platform for performance and engagement.",
        [
            DemoSolution(
                "Lattice Performance Management",
                C.PERFORMANCE,
                P.PER_SEAT,
                "11.00",
                "per employee per month",
                "Reviews, goals, feedback and growth plans tied to compensation.",
                currency="USD",
                soc2=True,
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="US",
            ),
        ],
    ),
    DemoVendor(
        "HubSpot",
        "https://www.hubspot.com",
        "US",
        "Customer platform for marketing, sales and service.",
        [
            DemoSolution(
                "HubSpot Marketing Hub Professional",
                C.MARKETING_AUTOMATION,
                P.PER_SEAT,
                "792.00",
                "per month, 3 seats and 2,000 contacts",
                "Email, landing pages, forms, workflows and campaign reporting.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
            DemoSolution(
                "HubSpot Smart CRM",
                C.CRM,
                P.FREE,
                "0.00",
                "free core CRM; paid seats optional",
                "Contacts, companies, deals and tasks, with a free tier for unlimited users.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Salesforce",
        "https://www.salesforce.com",
        "US",
        "Customer relationship management and the Customer 360 platform.",
        [
            DemoSolution(
                "Salesforce Sales Cloud Enterprise",
                C.CRM,
                P.PER_SEAT,
                "165.00",
                "per user per month",
                "Leads, opportunities, forecasting and territory management.",
                personal_data=True,
                data_location="EU (Hyperforce Frankfurt)",
                in_use=True,
                **SUITE,
            ),
            DemoSolution(
                "Marketing Cloud Account Engagement",
                C.MARKETING_AUTOMATION,
                P.PER_SEAT,
                "3250.00",
                "per month, up to 10,000 contacts",
                "B2B marketing automation (formerly Pardot) with lead scoring and nurturing.",
                personal_data=True,
                data_location="EU and US",
                **SUITE,
            ),
            DemoSolution(
                "Tableau Cloud",
                C.ANALYTICS,
                P.PER_SEAT,
                "75.00",
                "per creator per month",
                "Self-service dashboards and visual analytics.",
                currency="USD",
                personal_data=False,
                data_location="EU (Dublin)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Adobe",
        "https://business.adobe.com",
        "US",
        "Creative, document and digital experience software.",
        [
            DemoSolution(
                "Adobe Marketo Engage",
                C.MARKETING_AUTOMATION,
                P.PER_SEAT,
                "1195.00",
                "per month, starting package",
                "Enterprise marketing automation with account-based marketing.",
                currency="USD",
                personal_data=True,
                data_location="US or EU",
                **SUITE,
            ),
            DemoSolution(
                "Adobe Experience Manager Sites",
                C.CONTENT,
                P.PERPETUAL,
                "250000.00",
                "licence, on premise",
                "Enterprise web content management for multi-site, multi-language brands.",
                currency="USD",
                deployment=D.ON_PREMISE,
                iso27001=True,
                sso=True,
                has_api=True,
                data_location="Our data centre",
            ),
        ],
    ),
    DemoVendor(
        "Brevo",
        "https://www.brevo.com",
        "FR",
        "Email, SMS and WhatsApp marketing for growing companies (formerly Sendinblue).",
        [
            DemoSolution(
                "Brevo Business",
                C.MARKETING_AUTOMATION,
                P.ON_DEMAND,
                "65.00",
                "per month for 20,000 emails",
                "Newsletters, automation and transactional email, paid by volume sent.",
                iso27001=True,
                has_api=True,
                personal_data=True,
                data_location="EU (France, Germany)",
            ),
        ],
    ),
    DemoVendor(
        "Intuit Mailchimp",
        "https://mailchimp.com",
        "US",
        "Email marketing and automation for small businesses.",
        [
            DemoSolution(
                "Mailchimp Standard",
                C.MARKETING_AUTOMATION,
                P.ON_DEMAND,
                "100.00",
                "per month for 5,000 contacts",
                "Email campaigns, journeys and audience segmentation, priced by contacts.",
                currency="USD",
                has_api=True,
                personal_data=True,
                data_location="US",
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "Twilio",
        "https://www.twilio.com",
        "US",
        "Communication APIs: messaging, voice, email.",
        [
            DemoSolution(
                "Twilio SendGrid Email API",
                C.MARKETING_AUTOMATION,
                P.API,
                "89.95",
                "per month for 100,000 emails",
                "Transactional and bulk email through an API, white-label in our own systems.",
                currency="USD",
                has_api=True,
                personal_data=True,
                data_location="US",
                iso27001=True,
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "Contentful",
        "https://www.contentful.com",
        "DE",
        "Headless content platform for websites and apps.",
        [
            DemoSolution(
                "Contentful Composable Content Platform",
                C.CONTENT,
                P.API,
                "2000.00",
                "per month, Premium tier",
                "Content as an API for the website and careers site; editors work in one place.",
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Hootsuite",
        "https://www.hootsuite.com",
        "CA",
        "Social media management.",
        [
            DemoSolution(
                "Hootsuite Professional",
                C.CONTENT,
                P.PER_SEAT,
                "99.00",
                "per user per month",
                "Schedule, publish and monitor posts across social networks.",
                currency="USD",
                sso=False,
                has_api=True,
                personal_data=False,
                data_location="US and Canada",
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "Canva",
        "https://www.canva.com",
        "AU",
        "Online design and visual communication.",
        [
            DemoSolution(
                "Canva Teams",
                C.CONTENT,
                P.PER_SEAT,
                "10.00",
                "per user per month",
                "Templates and brand kits so anyone can make on-brand graphics and slides.",
                sso=True,
                has_api=True,
                data_location="US",
                soc2=True,
                iso27001=True,
                in_use=True,
            ),
        ],
    ),
    DemoVendor(
        "Semrush",
        "https://www.semrush.com",
        "US",
        "Online visibility and content marketing platform.",
        [
            DemoSolution(
                "Semrush Guru",
                C.ANALYTICS,
                P.PER_SEAT,
                "249.95",
                "per user per month",
                "SEO keyword research, content audits and competitor tracking.",
                currency="USD",
                has_api=True,
                data_location="US",
            ),
        ],
    ),
    DemoVendor(
        "Google",
        "https://marketingplatform.google.com",
        "US",
        "Google Marketing Platform and Workspace.",
        [
            DemoSolution(
                "Google Analytics 4",
                C.ANALYTICS,
                P.FREE,
                "0.00",
                "free; 360 edition on request",
                "Web and app analytics with event-based measurement.",
                sso=True,
                has_api=True,
                personal_data=True,
                data_location="US and EU",
                iso27001=True,
                soc2=True,
                in_use=True,
            ),
            DemoSolution(
                "Looker Studio",
                C.ANALYTICS,
                P.FREE,
                "0.00",
                "free",
                "Reports and dashboards on Google Analytics, Sheets and BigQuery data.",
                sso=True,
                has_api=False,
                data_location="US and EU",
                iso27001=True,
                soc2=True,
            ),
        ],
    ),
    DemoVendor(
        "InnoCraft (Matomo)",
        "https://matomo.org",
        "NZ",
        "Privacy-friendly open-source web analytics.",
        [
            DemoSolution(
                "Matomo On-Premise",
                C.ANALYTICS,
                P.FREE,
                None,
                "open source; premium plugins extra",
                "Web analytics we host ourselves; data never leaves our servers.",
                deployment=D.ON_PREMISE,
                has_api=True,
                personal_data=True,
                data_location="Our data centre",
            ),
        ],
    ),
    DemoVendor(
        "Microsoft",
        "https://www.microsoft.com",
        "US",
        "Productivity, cloud and identity software.",
        [
            DemoSolution(
                "Microsoft Teams",
                C.COLLABORATION,
                P.PER_SEAT,
                "4.00",
                "per user per month (Essentials)",
                "Chat, meetings and calls; our company-wide meeting tool.",
                personal_data=True,
                data_location="EU Data Boundary",
                in_use=True,
                **SUITE,
            ),
            DemoSolution(
                "Microsoft Teams Premium",
                C.COLLABORATION,
                P.PER_SEAT,
                "10.00",
                "per user per month",
                "Webinars, town halls with up to 20,000 attendees, and intelligent recap.",
                personal_data=True,
                data_location="EU Data Boundary",
                **SUITE,
            ),
            DemoSolution(
                "Power BI Pro",
                C.ANALYTICS,
                P.PER_SEAT,
                "14.00",
                "per user per month",
                "Self-service reports and dashboards, shared in Teams.",
                personal_data=False,
                data_location="EU Data Boundary",
                **SUITE,
            ),
            DemoSolution(
                "Microsoft Entra ID P1",
                C.SECURITY,
                P.PER_SEAT,
                "5.60",
                "per user per month",
                "Identity, conditional access and SSO for Microsoft and other apps.",
                data_location="EU Data Boundary",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Slack Technologies",
        "https://slack.com",
        "US",
        "Messaging for work (a Salesforce company).",
        [
            DemoSolution(
                "Slack Business+",
                C.COLLABORATION,
                P.PER_SEAT,
                "12.50",
                "per user per month",
                "Channels, huddles and workflows; where IT and Marketing work day to day.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                in_use=True,
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Atlassian",
        "https://www.atlassian.com",
        "AU",
        "Team collaboration and service management software.",
        [
            DemoSolution(
                "Jira Service Management",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "19.04",
                "per agent per month",
                "IT service desk: requests, incidents, changes and assets.",
                currency="USD",
                data_location="EU (Frankfurt, Dublin)",
                in_use=True,
                **SUITE,
            ),
            DemoSolution(
                "Confluence",
                C.COLLABORATION,
                P.PER_SEAT,
                "5.16",
                "per user per month",
                "Wiki and documentation; the intranet for IT and Marketing.",
                currency="USD",
                data_location="EU (Frankfurt, Dublin)",
                in_use=True,
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Miro",
        "https://miro.com",
        "NL",
        "Visual collaboration whiteboard.",
        [
            DemoSolution(
                "Miro Business",
                C.COLLABORATION,
                P.PER_SEAT,
                "8.00",
                "per member per month",
                "Online whiteboards for workshops, retrospectives and planning.",
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "ServiceNow",
        "https://www.servicenow.com",
        "US",
        "Digital workflow platform for IT, HR and customer service.",
        [
            DemoSolution(
                "ServiceNow IT Service Management",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "100.00",
                "per fulfiller per month",
                "Enterprise ITSM with CMDB, change, problem and service portal.",
                currency="USD",
                data_location="EU (Amsterdam, Dublin)",
                **SUITE,
            ),
            DemoSolution(
                "ServiceNow HR Service Delivery",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "90.00",
                "per fulfiller per month",
                "HR case management, knowledge and employee journeys.",
                currency="USD",
                personal_data=True,
                data_location="EU (Amsterdam, Dublin)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Jamf",
        "https://www.jamf.com",
        "US",
        "Apple device management and security.",
        [
            DemoSolution(
                "Jamf Pro",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "7.50",
                "per device per month",
                "Zero-touch deployment, patching and inventory for Macs, iPhones and iPads.",
                currency="USD",
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Paessler",
        "https://www.paessler.com",
        "DE",
        "Network and infrastructure monitoring.",
        [
            DemoSolution(
                "PRTG Network Monitor",
                C.IT_OPERATIONS,
                P.PERPETUAL,
                "14500.00",
                "licence, 2,500 sensors, plus maintenance",
                "Monitors servers, network devices and applications from our own data centre.",
                deployment=D.ON_PREMISE,
                has_api=True,
                data_location="Our data centre",
            ),
        ],
    ),
    DemoVendor(
        "Grafana Labs",
        "https://grafana.com",
        "US",
        "Open observability: dashboards, metrics, logs and traces.",
        [
            DemoSolution(
                "Grafana OSS",
                C.IT_OPERATIONS,
                P.FREE,
                None,
                "open source",
                "Self-hosted dashboards for metrics and logs.",
                deployment=D.ON_PREMISE,
                sso=True,
                has_api=True,
                data_location="Our data centre",
                in_use=True,
            ),
            DemoSolution(
                "Grafana Cloud Pro",
                C.IT_OPERATIONS,
                P.ON_DEMAND,
                "19.00",
                "per month, plus usage",
                "Hosted metrics, logs and traces, billed by what we ingest.",
                currency="USD",
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Okta",
        "https://www.okta.com",
        "US",
        "Identity and access management.",
        [
            DemoSolution(
                "Okta Workforce Identity",
                C.SECURITY,
                P.PER_SEAT,
                "6.00",
                "per user per month (SSO + MFA)",
                "Single sign-on, multi-factor authentication and directory for every employee.",
                currency="USD",
                personal_data=True,
                data_location="EU (Frankfurt, Dublin)",
                in_use=True,
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "CrowdStrike",
        "https://www.crowdstrike.com",
        "US",
        "Cloud-delivered endpoint and workload protection.",
        [
            DemoSolution(
                "Falcon Insight XDR",
                C.SECURITY,
                P.PER_SEAT,
                "7.50",
                "per endpoint per month",
                "Endpoint detection and response with 24/7 threat hunting.",
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "1Password",
        "https://1password.com",
        "CA",
        "Password and secrets management.",
        [
            DemoSolution(
                "1Password Business",
                C.SECURITY,
                P.PER_SEAT,
                "7.99",
                "per user per month",
                "Shared vaults, SSO unlock and reporting on weak or reused passwords.",
                currency="USD",
                data_location="EU (Ireland)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Zendesk",
        "https://www.zendesk.com",
        "US",
        "Customer service software.",
        [
            DemoSolution(
                "Zendesk Suite Professional",
                C.CRM,
                P.PER_SEAT,
                "115.00",
                "per agent per month",
                "Help centre, tickets, chat and voice in one agent workspace.",
                personal_data=True,
                data_location="EU (Frankfurt, Dublin)",
                **SUITE,
            ),
        ],
    ),
    # The integration platform and the tools business teams plug in (the landscape's demo).
    DemoVendor(
        "Boomi",
        "https://boomi.com",
        "US",
        "Integration platform as a service.",
        [
            DemoSolution(
                "Boomi Enterprise Platform",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                None,
                "per connection, on quote",
                "Integration platform: connectors, mappings and API management in one place.",
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Zapier",
        "https://zapier.com",
        "US",
        "No-code automation between web apps.",
        [
            DemoSolution(
                "Zapier Team",
                C.COLLABORATION,
                P.ON_DEMAND,
                "69.00",
                "per month for 2,000 tasks",
                "Automations between web apps, built by business teams without code.",
                currency="USD",
                sso=True,
                has_api=True,
            ),
        ],
    ),
    DemoVendor(
        "Calendly",
        "https://calendly.com",
        "US",
        "Scheduling.",
        [
            DemoSolution(
                "Calendly Teams",
                C.COLLABORATION,
                P.PER_SEAT,
                "16.00",
                "per seat per month",
                "Interview and meeting scheduling against shared calendars.",
                currency="USD",
                sso=True,
                has_api=True,
                personal_data=True,
            ),
        ],
    ),
    DemoVendor(
        "Typeform",
        "https://www.typeform.com",
        "ES",
        "Forms and surveys.",
        [
            DemoSolution(
                "Typeform Business",
                C.MARKETING_AUTOMATION,
                P.PER_SEAT,
                "83.00",
                "per month, 5 seats",
                "Conversational forms for leads, events and candidate questions.",
                has_api=True,
                personal_data=True,
                data_location="EU",
            ),
        ],
    ),
    DemoVendor(
        "DocuSign",
        "https://www.docusign.com",
        "US",
        "Electronic signatures.",
        [
            DemoSolution(
                "DocuSign eSignature Business Pro",
                C.COLLABORATION,
                P.PER_SEAT,
                "40.00",
                "per user per month",
                "Contracts and offer letters signed online, with an audit trail.",
                personal_data=True,
                data_location="EU (Frankfurt)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Asana",
        "https://asana.com",
        "US",
        "Work management.",
        [
            DemoSolution(
                "Asana Advanced",
                C.COLLABORATION,
                P.PER_SEAT,
                "24.99",
                "per user per month",
                "Projects, timelines and campaign calendars.",
                currency="USD",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Hotjar",
        "https://www.hotjar.com",
        "MT",
        "Website behaviour analytics.",
        [
            DemoSolution(
                "Hotjar Business",
                C.ANALYTICS,
                P.ON_DEMAND,
                "80.00",
                "per month for 500 daily sessions",
                "Heatmaps, recordings and on-site surveys.",
                has_api=True,
                data_location="EU (Ireland)",
            ),
        ],
    ),
    DemoVendor(
        "Intercom",
        "https://www.intercom.com",
        "US",
        "Customer messaging.",
        [
            DemoSolution(
                "Intercom Advanced",
                C.CRM,
                P.PER_SEAT,
                "85.00",
                "per seat per month",
                "Chat on the website and in the product, routed to the right team.",
                currency="USD",
                personal_data=True,
                data_location="EU (Dublin)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Pleo",
        "https://www.pleo.io",
        "DK",
        "Company cards and expenses.",
        [
            DemoSolution(
                "Pleo Premium",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "8.00",
                "per user per month",
                "Company cards with receipts captured on the phone.",
                personal_data=True,
                data_location="EU",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "GitLab",
        "https://about.gitlab.com",
        "US",
        "DevOps platform.",
        [
            DemoSolution(
                "GitLab Premium",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "29.00",
                "per user per month",
                "Source code, CI pipelines and releases in one place.",
                currency="USD",
                personal_data=False,
                data_location="",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Datadog",
        "https://www.datadoghq.com",
        "US",
        "Monitoring and observability.",
        [
            DemoSolution(
                "Datadog Pro",
                C.IT_OPERATIONS,
                P.ON_DEMAND,
                "15.00",
                "per host per month",
                "Metrics, logs and traces of the servers and cloud services.",
                currency="USD",
                personal_data=False,
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Veeam",
        "https://www.veeam.com",
        "CH",
        "Backup and recovery.",
        [
            DemoSolution(
                "Veeam Data Platform",
                C.IT_OPERATIONS,
                P.PERPETUAL,
                "1200.00",
                "per socket, perpetual",
                "Backups of servers and Microsoft 365, with tested restores.",
                currency="EUR",
                personal_data=False,
                data_location="On premises",
                has_api=True,
            ),
        ],
    ),
    DemoVendor(
        "Snipe-IT",
        "https://snipeitapp.com",
        "US",
        "Asset management.",
        [
            DemoSolution(
                "Snipe-IT Hosted",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "39.99",
                "per month, up to 1,000 assets",
                "Laptops, phones and licences: who has what.",
                currency="USD",
                personal_data=True,
                data_location="",
                has_api=True,
            ),
        ],
    ),
    DemoVendor(
        "Cloudflare",
        "https://www.cloudflare.com",
        "US",
        "Network security.",
        [
            DemoSolution(
                "Cloudflare Zero Trust",
                C.SECURITY,
                P.PER_SEAT,
                "7.00",
                "per user per month",
                "Access to internal apps without a VPN.",
                currency="USD",
                personal_data=False,
                data_location="EU (data localisation suite)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "KnowBe4",
        "https://www.knowbe4.com",
        "US",
        "Security awareness training.",
        [
            DemoSolution(
                "KnowBe4 Security Awareness Training",
                C.SECURITY,
                P.PER_SEAT,
                "2.00",
                "per user per month",
                "Phishing simulations and short security courses.",
                currency="USD",
                personal_data=True,
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Udemy",
        "https://business.udemy.com",
        "US",
        "Online learning.",
        [
            DemoSolution(
                "Udemy Business",
                C.LEARNING,
                P.PER_SEAT,
                "360.00",
                "per user per year",
                "Thousands of courses, assigned in learning paths.",
                currency="USD",
                personal_data=True,
                data_location="",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Tellent",
        "https://recruitee.com",
        "NL",
        "Recruiting software.",
        [
            DemoSolution(
                "Tellent Recruitee",
                C.TALENT_ACQUISITION,
                P.PER_SEAT,
                "250.00",
                "per month, 3 job slots",
                "Job posts, pipelines and hiring teams for smaller hiring needs.",
                currency="EUR",
                personal_data=True,
                data_location="EU",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Kenjo",
        "https://www.kenjo.io",
        "DE",
        "HR software for frontline teams.",
        [
            DemoSolution(
                "Kenjo Time Tracking",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "4.00",
                "per employee per month",
                "Clock-in on the phone, with breaks and overtime.",
                currency="EUR",
                personal_data=True,
                data_location="EU (Germany)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Lucca",
        "https://www.lucca-hr.com",
        "FR",
        "HR software.",
        [
            DemoSolution(
                "Lucca Absences",
                C.CORE_HR_PAYROLL,
                P.PER_SEAT,
                "3.50",
                "per employee per month",
                "Leave requests and balances, approved by managers.",
                currency="EUR",
                personal_data=True,
                data_location="EU (France)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Sprout Social",
        "https://sproutsocial.com",
        "US",
        "Social media management.",
        [
            DemoSolution(
                "Sprout Social Advanced",
                C.CONTENT,
                P.PER_SEAT,
                "399.00",
                "per seat per month",
                "Publishing, inbox and reporting across social networks.",
                currency="USD",
                personal_data=True,
                data_location="",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Bynder",
        "https://www.bynder.com",
        "NL",
        "Digital asset management.",
        [
            DemoSolution(
                "Bynder Digital Asset Management",
                C.CONTENT,
                P.PER_SEAT,
                None,
                "on quote",
                "One library for brand images, videos and templates.",
                currency="EUR",
                personal_data=False,
                data_location="EU",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Cision",
        "https://www.cision.com",
        "US",
        "Public relations software.",
        [
            DemoSolution(
                "Cision Communications Cloud",
                C.CONTENT,
                P.PER_SEAT,
                None,
                "on quote",
                "Media database, press releases and coverage reports.",
                currency="USD",
                personal_data=True,
                data_location="",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Optimizely",
        "https://www.optimizely.com",
        "US",
        "Experimentation.",
        [
            DemoSolution(
                "Optimizely Web Experimentation",
                C.ANALYTICS,
                P.ON_DEMAND,
                None,
                "on quote, by monthly visitors",
                "A/B tests on the website.",
                currency="USD",
                personal_data=False,
                data_location="EU",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Agicap",
        "https://agicap.com",
        "FR",
        "Cash management.",
        [
            DemoSolution(
                "Agicap Cash Management",
                C.ANALYTICS,
                P.PER_SEAT,
                "400.00",
                "per month",
                "Cash forecasts from bank accounts and invoices.",
                currency="EUR",
                personal_data=False,
                data_location="EU (France)",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Loom",
        "https://www.loom.com",
        "US",
        "Video messaging.",
        [
            DemoSolution(
                "Loom Business",
                C.COLLABORATION,
                P.PER_SEAT,
                "15.00",
                "per creator per month",
                "Short screen recordings instead of meetings.",
                currency="USD",
                personal_data=False,
                data_location="",
                **SUITE,
            ),
        ],
    ),
    DemoVendor(
        "Exact",
        "https://www.exact.com",
        "NL",
        "Accounting software.",
        [
            DemoSolution(
                "Exact Online Accountancy",
                C.IT_OPERATIONS,
                P.PER_SEAT,
                "60.00",
                "per administration per month",
                "General ledger, invoices and VAT returns.",
                data_location="EU (Netherlands)",
                **SUITE,
            ),
        ],
    ),
]


# Integrations between tools already in use: (from, to, what flows).
INTEGRATIONS: list[tuple[str, str, str]] = [
    ("Personio HR", "DATEV Lohn und Gehalt", "Monthly payroll export of hours and changes"),
    ("Personio HR", "Okta Workforce Identity", "Joiners and leavers create and remove accounts"),
    ("Okta Workforce Identity", "Slack Business+", "SSO and SCIM user provisioning"),
    ("Okta Workforce Identity", "Salesforce Sales Cloud Enterprise", "SSO"),
    ("Okta Workforce Identity", "Jira Service Management", "SSO and group sync"),
    ("Okta Workforce Identity", "Microsoft Teams", "SSO via federation"),
    ("Salesforce Sales Cloud Enterprise", "Slack Business+", "Deal alerts to sales channels"),
    ("Grafana OSS", "Jira Service Management", "Alerts open incidents"),
]


def _create[R: (Vendor, Solution)](record: R) -> R:
    # Checked like a form would check it: lengths and choices hold on every database (SQLite
    # would store an over-long name that PostgreSQL refuses).
    record.full_clean(validate_unique=False, validate_constraints=False)
    record.save()
    return record


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


@transaction.atomic
def load_demo_catalog() -> dict[str, tuple[int, int]]:
    """Create the demo vendors, solutions and integrations that are missing (matched by name),
    and leave existing ones as they are. Returns {kind: (created, already there)}. What exists
    is read in three queries, so a second run costs no more than that."""
    vendors = {
        v.name: v for v in Vendor.objects.filter(source="", name__in=[v.name for v in VENDORS])
    }
    solutions = {
        (s.vendor_id, s.name): s
        for s in Solution.objects.filter(source="", vendor__in=list(vendors.values()))
    }
    counts = {"vendors": [0, len(vendors)], "solutions": [0, len(solutions)]}
    by_name: dict[str, Solution] = {}
    for spec in VENDORS:
        vendor = vendors.get(spec.name)
        if vendor is None:
            vendor = _create(
                Vendor(
                    name=spec.name,
                    website=spec.website,
                    country=spec.country,
                    description=spec.description,
                )
            )
            counts["vendors"][0] += 1
        for s in spec.solutions:
            solution = solutions.get((vendor.pk, s.name))
            if solution is None:
                solution = _create(
                    Solution(
                        vendor=vendor,
                        name=s.name,
                        description=s.description,
                        category=s.category,
                        pricing_model=s.pricing_model,
                        list_price=_money(s.list_price),
                        price_currency=s.currency,
                        price_unit=s.price_unit,
                        deployment=s.deployment,
                        iso27001=s.iso27001,
                        soc2=s.soc2,
                        sso=s.sso,
                        has_api=s.has_api,
                        processes_personal_data=s.personal_data,
                        data_location=s.data_location,
                        in_use=s.in_use,
                    )
                )
                counts["solutions"][0] += 1
            by_name[s.name] = solution

    linked = set(
        Integration.objects.filter(source__in=list(by_name.values())).values_list(
            "source_id", "target_id"
        )
    )
    created = Integration.objects.bulk_create(
        Integration(source=by_name[source], target=by_name[target], description=description)
        for source, target, description in INTEGRATIONS
        if (by_name[source].pk, by_name[target].pk) not in linked
    )
    counts["integrations"] = [len(created), len(INTEGRATIONS) - len(created)]
    return {kind: (c[0], c[1]) for kind, c in counts.items()}


def demo_solution(name: str) -> Solution:
    """A demo catalog solution by name (the demo proposals refer to them this way)."""
    return Solution.objects.select_related("vendor").get(source="", name=name)
