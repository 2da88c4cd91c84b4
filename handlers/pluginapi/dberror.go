package pluginapi

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
)

// isDriverError reports errors that come from the database connection
// rather than from the adapter's logic; they are answered as 83.
func isDriverError(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrTxDone) {
		return true
	}
	var ne *net.OpError
	return errors.As(err, &ne)
}
