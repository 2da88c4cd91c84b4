package gormcustomers

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/shopbridge/shopbridge/adapters"
	"github.com/shopbridge/shopbridge/shopgate"
)

// favTable is the favourite table in use: the host's or shopbridge's.
func (s *Store) favTable() Favourites {
	if s.cfg.Favourites != nil {
		return *s.cfg.Favourites
	}
	return Favourites{Table: "shopbridge_favourites", Customer: "customer_id", Item: "item_number", CreatedAt: "created_at"}
}

// SyncFavouriteList implements adapters.Customers: additions and removals
// in one transaction, then the complete list, oldest first.
func (s *Store) SyncFavouriteList(ctx context.Context, shop adapters.Shop, token string, changes []adapters.FavouriteChange) ([]adapters.FavouriteItem, error) {
	db := s.cfg.DB.WithContext(ctx)
	id, err := s.customerID(db, token, false)
	if err != nil {
		return nil, err
	}
	f := s.favTable()
	own := s.cfg.Favourites == nil
	var out []adapters.FavouriteItem
	err = db.Transaction(func(tx *gorm.DB) error {
		now := s.cfg.Now()
		for _, c := range changes {
			switch c.Status {
			case adapters.FavouriteNew:
				var n int64
				if err := tx.Table(f.Table).Where(fmt.Sprintf("%s = ? AND %s = ?", f.Customer, f.Item), id, c.ItemNumber).Count(&n).Error; err != nil {
					return shopgate.DatabaseError("check favourite", err)
				}
				if n > 0 {
					continue
				}
				row := map[string]any{f.Customer: id, f.Item: c.ItemNumber}
				if f.CreatedAt != "" {
					if own {
						row[f.CreatedAt] = now.UnixMilli()
					} else {
						row[f.CreatedAt] = now.UTC()
					}
				}
				if err := tx.Table(f.Table).Create(row).Error; err != nil {
					return shopgate.DatabaseError("add favourite", err)
				}
			case adapters.FavouriteDeleted:
				if err := tx.Exec(fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", f.Table, f.Customer, f.Item), id, c.ItemNumber).Error; err != nil {
					return shopgate.DatabaseError("remove favourite", err)
				}
			}
		}
		order := f.Item
		if f.CreatedAt != "" {
			order = f.CreatedAt + ", " + f.Item
		}
		rows, err := tx.Raw(fmt.Sprintf("SELECT %s FROM %s WHERE %s = ? ORDER BY %s", f.Item, f.Table, f.Customer, order), id).Rows()
		if err != nil {
			return shopgate.DatabaseError("load favourites", err)
		}
		defer rows.Close()
		out = []adapters.FavouriteItem{}
		for rows.Next() {
			v, err := scanRow(rows, 1)
			if err != nil {
				return shopgate.DatabaseError("load favourites", err)
			}
			out = append(out, adapters.FavouriteItem{ItemNumber: asString(v[0])})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
