package gormorders

import (
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// On PostgreSQL the writes of an import are combined with data-modifying
// CTEs: every round trip inside the import transaction keeps its row locks
// longer and costs a wake-up of both sides, which on a busy server is the
// larger part of an import's time. The statements write exactly what the
// portable path in gormorders.go writes.

func isPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

// placeholders returns "(?, ?, …)" with n marks.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

func (s *Store) quoteCols(tx *gorm.DB, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = tx.Statement.Quote(c)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

var (
	orderCols = []string{"id", "number", "source", "external_number", "customer_id", "email", "phone", "status",
		"payment_method", "shipping_method", "currency", "amount_items", "amount_shipping", "amount_payment",
		"amount_discount", "amount_total", "is_paid", "paid_at", "comment", "customer_comment",
		"invoice_gender", "invoice_company", "invoice_first_name", "invoice_last_name", "invoice_street1",
		"invoice_street2", "invoice_zipcode", "invoice_city", "invoice_country", "invoice_state", "invoice_phone",
		"delivery_gender", "delivery_company", "delivery_first_name", "delivery_last_name", "delivery_street1",
		"delivery_street2", "delivery_zipcode", "delivery_city", "delivery_country", "delivery_state", "delivery_phone",
		"created_at", "updated_at"}
	itemCols    = []string{"order_id", "type", "product_id", "number", "name", "attributes", "quantity", "unit_price", "tax_rate", "total"}
	historyCols = []string{"order_id", "status", "comment", "created_at"}
)

func addressArgs(a orderAddress) []any {
	return []any{a.Gender, a.Company, a.FirstName, a.LastName, a.Street1, a.Street2, a.Zipcode, a.City, a.Country, a.State, a.Phone}
}

// createOrderPostgres writes the order, its lines and its first history
// entry in two round trips: the id is drawn from the table's sequence
// first, so the host order number can be formatted before the insert.
func (s *Store) createOrderPostgres(tx *gorm.DB, row *orderRow, items []orderItemRow, h historyRow) error {
	if err := tx.Raw("SELECT nextval(pg_get_serial_sequence(?, 'id'))", s.cfg.OrdersTable).Scan(&row.ID).Error; err != nil {
		return fmt.Errorf("order id: %w", err)
	}
	if row.ID == 0 {
		return fmt.Errorf("order id: table %s has no id sequence", s.cfg.OrdersTable)
	}
	row.Number = s.cfg.OrderNumber(row.ID)
	args := []any{row.ID, row.Number, row.Source, row.ExternalNumber, row.CustomerID, row.Email, row.Phone, row.Status,
		row.PaymentMethod, row.ShippingMethod, row.Currency, row.AmountItems, row.AmountShipping, row.AmountPayment,
		row.AmountDiscount, row.AmountTotal, row.IsPaid, row.PaidAt, row.Comment, row.CustomerComment}
	args = append(args, addressArgs(row.InvoiceAddress)...)
	args = append(args, addressArgs(row.DeliveryAddress)...)
	args = append(args, row.CreatedAt, row.UpdatedAt)

	q := tx.Statement.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "WITH o AS (INSERT INTO %s %s VALUES %s)", q(s.cfg.OrdersTable), s.quoteCols(tx, orderCols), placeholders(len(orderCols)))
	history := fmt.Sprintf("INSERT INTO %s %s VALUES %s", q(s.cfg.OrderHistoryTable), s.quoteCols(tx, historyCols), placeholders(len(historyCols)))
	hArgs := []any{row.ID, h.Status, h.Comment, h.CreatedAt}
	if len(items) == 0 {
		b.WriteString(" " + history)
		args = append(args, hArgs...)
	} else {
		b.WriteString(", h AS (" + history + ")")
		args = append(args, hArgs...)
		fmt.Fprintf(&b, " INSERT INTO %s %s VALUES ", q(s.cfg.OrderItemsTable), s.quoteCols(tx, itemCols))
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(placeholders(len(itemCols)))
			args = append(args, row.ID, it.Type, it.ProductID, it.Number, it.Name, it.Attributes, it.Quantity, it.UnitPrice, it.TaxRate, it.Total)
		}
	}
	if err := tx.Exec(b.String(), args...).Error; err != nil {
		return fmt.Errorf("create order: %w", err)
	}
	return nil
}

// createGuestPostgres inserts a guest customer and its address in one
// statement. created is false when the e-mail address was taken.
func (s *Store) createGuestPostgres(tx *gorm.DB, c *customerRow, a addressRow) (created bool, err error) {
	q := tx.Statement.Quote
	custCols := []string{"number", "email", "password_hash", "token", "first_name", "last_name", "gender", "phone", "mobile", "active", "created_at", "updated_at"}
	addrCols := []string{"customer_id", "is_default", "is_invoice", "is_delivery", "gender", "company", "first_name", "last_name",
		"street1", "street2", "zipcode", "city", "country", "state", "phone", "created_at", "updated_at"}
	sql := fmt.Sprintf(`WITH c AS (INSERT INTO %s %s VALUES %s ON CONFLICT DO NOTHING RETURNING id)
INSERT INTO %s %s SELECT id, true, true, true, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS timestamptz), CAST(? AS timestamptz) FROM c RETURNING customer_id`,
		q(s.cfg.CustomersTable), s.quoteCols(tx, custCols), placeholders(len(custCols)),
		q(s.cfg.AddressesTable), s.quoteCols(tx, addrCols))
	args := []any{c.Number, c.Email, c.PasswordHash, c.Token, c.FirstName, c.LastName, c.Gender, c.Phone, c.Mobile, c.Active, c.CreatedAt, c.UpdatedAt,
		a.Gender, a.Company, a.FirstName, a.LastName, a.Street1, a.Street2, a.Zipcode, a.City, a.Country, a.State, a.Phone, a.CreatedAt, a.UpdatedAt}
	var ids []uint64
	if err := tx.Raw(sql, args...).Scan(&ids).Error; err != nil {
		return false, fmt.Errorf("create guest account: %w", err)
	}
	if len(ids) == 0 {
		return false, nil
	}
	c.ID = ids[0]
	return true, nil
}
