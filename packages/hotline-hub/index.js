// The whole of `hotline/hub`: this package only adds the drivers that `hotline` leaves optional.
export * from 'hotline/hub';
