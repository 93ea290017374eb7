"""What clients and SPANC send: questions, after-sales requests, maintenance
contract requests, warranty extensions, uploads; routed to the franchisee
(and the network head for SAV), listed and exported in the admin."""
